#!/usr/bin/python3
"""Independent encodings for the codec tests: random request/response bodies encoded by kafka-python 2.0.2's
own protocol classes (kafka.protocol.*), written as JSON lines {apiKey, version, type, hex}.
Run: /usr/bin/python3 test/protocol/tools/kafka-python-bodies.py > test/protocol/fixtures/kafka-python-bodies.jsonl"""
import json, random, sys
from kafka.protocol import admin, commit, fetch, group, metadata, offset, produce
from kafka.protocol.types import Int8, Int16, Int32, Int64, String, Bytes, Boolean, Schema, Array

rnd = random.Random(20261124)
WORDS = ['', 'a', 'topic-1', 'rafka', 'ünïcødé', '日本語', 'x' * 60]

def gen(t, depth=0):
    if isinstance(t, Schema):
        return tuple(gen(f, depth + 1) for f in t.fields)
    if isinstance(t, Array):
        return [gen(t.array_of, depth + 1) for _ in range(0 if depth > 4 else rnd.randint(0, 3))]
    if isinstance(t, String):
        return rnd.choice(WORDS)
    if t is Int8: return rnd.randint(-128, 127)
    if t is Int16: return rnd.randint(-32768, 32767)
    if t is Int32: return rnd.randint(-2**31, 2**31 - 1)
    if t is Int64: return rnd.randint(-2**63, 2**63 - 1)
    if t is Boolean: return rnd.random() < 0.5
    if isinstance(t, type) and issubclass(t, Bytes): return bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 30)))
    raise TypeError(repr(t))

out = sys.stdout
for mod in (admin, commit, fetch, group, metadata, offset, produce):
    for name in dir(mod):
        lst = getattr(mod, name)
        if not (isinstance(lst, list) and lst and isinstance(lst[0], type) and hasattr(lst[0], 'SCHEMA')):
            continue
        for cls in lst:
            kind = 'request' if name.endswith('Request') else 'response'
            if (kind == 'request') != hasattr(cls, 'RESPONSE_TYPE'):
                continue  # kafka-python lists a request class among AlterConfigs responses
            for _ in range(3):
                try:
                    body = gen(cls.SCHEMA)
                    data = cls.SCHEMA.encode(body)
                except Exception as e:  # kafka-python bugs (e.g. a bare String class in a schema): skip
                    sys.stderr.write('skip %s: %r\n' % (cls.__name__, e))
                    break
                out.write(json.dumps({'name': cls.__name__, 'apiKey': cls.API_KEY, 'version': cls.API_VERSION,
                                      'type': kind, 'hex': data.hex()}) + '\n')
