#!/usr/bin/env python3
"""librdkafka's transactional producer through ctypes (Debian 12's librdkafka1 2.0.2, the library kcat uses):
init_transactions, then three transactions on TOPIC partition 0 —
  1. c1 c2 c3 + send_offsets_to_transaction(GROUP, INPUT partition 0 offset 7), committed
  2. x1 x2, aborted
  3. c4, committed
— then a zombie: a second producer with the same transactional.id inits (fencing the first, which has an open
transaction with z1) and commits f1; the first producer's commit must fail fatally.
Prints one JSON line: {"version": ..., "steps": [[name, error-or-null], ...], "zombieCommit": {...}}
Usage: librdkafka_txn.py BOOTSTRAP TRANSACTIONAL_ID TOPIC INPUT GROUP
"""
import ctypes
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from librdkafka_ctypes import P, TopicPartition, conf_new, conf_set, error_string, fn, kafka_destroy, kafka_new, version_str  # noqa: E402

TIMEOUT = 30000

topic_new = fn('rd_kafka_topic_new', P, P, ctypes.c_char_p, P)
topic_destroy = fn('rd_kafka_topic_destroy', None, P)
produce = fn('rd_kafka_produce', ctypes.c_int, P, ctypes.c_int32, ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t, P)
flush = fn('rd_kafka_flush', ctypes.c_int, P, ctypes.c_int)
err2str = fn('rd_kafka_err2str', ctypes.c_char_p, ctypes.c_int)
last_error = fn('rd_kafka_last_error', ctypes.c_int)

init_transactions = fn('rd_kafka_init_transactions', P, P, ctypes.c_int)
begin_transaction = fn('rd_kafka_begin_transaction', P, P)
commit_transaction = fn('rd_kafka_commit_transaction', P, P, ctypes.c_int)
abort_transaction = fn('rd_kafka_abort_transaction', P, P, ctypes.c_int)
send_offsets = fn('rd_kafka_send_offsets_to_transaction', P, P, P, P, ctypes.c_int)
cgmd_new = fn('rd_kafka_consumer_group_metadata_new', P, ctypes.c_char_p)
cgmd_destroy = fn('rd_kafka_consumer_group_metadata_destroy', None, P)
error_name = fn('rd_kafka_error_name', ctypes.c_char_p, P)
error_is_fatal = fn('rd_kafka_error_is_fatal', ctypes.c_int, P)
error_destroy = fn('rd_kafka_error_destroy', None, P)


tpl_new = fn('rd_kafka_topic_partition_list_new', P, ctypes.c_int)
tpl_add = fn('rd_kafka_topic_partition_list_add', ctypes.POINTER(TopicPartition), P, ctypes.c_char_p, ctypes.c_int32)
tpl_destroy = fn('rd_kafka_topic_partition_list_destroy', None, P)

steps = []


def check(name, err):
    """Records a step's outcome; returns the error as {name, message, fatal} (None when it succeeded)."""
    if not err:
        steps.append([name, None])
        return None
    e = {'name': error_name(err).decode(), 'message': error_string(err).decode(), 'fatal': bool(error_is_fatal(err))}
    error_destroy(err)
    steps.append([name, e])
    return e


def producer(bootstrap, txn_id):
    errstr = ctypes.create_string_buffer(512)
    conf = conf_new()
    for k, v in (('bootstrap.servers', bootstrap), ('client.id', 'rdkafka-txn'), ('transactional.id', txn_id),
                 ('transaction.timeout.ms', '60000'), ('linger.ms', '5')):
        if conf_set(conf, k.encode(), v.encode(), errstr, 512) != 0:
            raise SystemExit(errstr.value.decode())
    rk = kafka_new(0, conf, errstr, 512)  # RD_KAFKA_PRODUCER
    if not rk:
        raise SystemExit(errstr.value.decode())
    return rk


def send(rk, rkt, values):
    for v in values:
        b = v.encode()
        if produce(rkt, 0, 2, b, len(b), None, 0, None) != 0:  # RD_KAFKA_MSG_F_COPY
            raise SystemExit('produce: ' + err2str(last_error()).decode())
    r = flush(rk, TIMEOUT)
    if r != 0:
        raise SystemExit('flush: ' + err2str(r).decode())


def main():
    bootstrap, txn_id, topic, input_topic, group = sys.argv[1:6]
    out = {'version': version_str().decode()}
    rk = producer(bootstrap, txn_id)
    rkt = topic_new(rk, topic.encode(), None)
    if check('init', init_transactions(rk, TIMEOUT)):
        raise SystemExit(json.dumps({**out, 'steps': steps}))

    check('begin-1', begin_transaction(rk))
    send(rk, rkt, ['c1', 'c2', 'c3'])
    offsets = tpl_new(1)
    tpl_add(offsets, input_topic.encode(), 0).contents.offset = 7
    md = cgmd_new(group.encode())
    check('send-offsets-1', send_offsets(rk, offsets, md, TIMEOUT))
    cgmd_destroy(md)
    tpl_destroy(offsets)
    check('commit-1', commit_transaction(rk, TIMEOUT))

    check('begin-2', begin_transaction(rk))
    send(rk, rkt, ['x1', 'x2'])
    check('abort-2', abort_transaction(rk, TIMEOUT))

    check('begin-3', begin_transaction(rk))
    send(rk, rkt, ['c4'])
    check('commit-3', commit_transaction(rk, TIMEOUT))

    # zombie: the first producer has an open transaction when a second one with the same id initialises
    check('begin-zombie', begin_transaction(rk))
    send(rk, rkt, ['z1'])
    fresh = producer(bootstrap, txn_id)
    frkt = topic_new(fresh, topic.encode(), None)
    check('fresh-init', init_transactions(fresh, TIMEOUT))
    check('fresh-begin', begin_transaction(fresh))
    send(fresh, frkt, ['f1'])
    check('fresh-commit', commit_transaction(fresh, TIMEOUT))
    out['zombieCommit'] = check('zombie-commit', commit_transaction(rk, TIMEOUT))
    steps.pop()

    topic_destroy(frkt)
    kafka_destroy(fresh)
    topic_destroy(rkt)
    kafka_destroy(rk)
    out['steps'] = steps
    print(json.dumps(out))


main()
