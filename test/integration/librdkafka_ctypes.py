"""The librdkafka bindings the ctypes test scripts share (Debian 12's librdkafka1 2.0.2, the library kcat uses):
the library, fn() to declare a function, the client lifecycle and rd_kafka_topic_partition_t.
Imported by librdkafka_admin.py and librdkafka_txn.py (run from this directory's path).
"""
import ctypes

lib = ctypes.CDLL('librdkafka.so.1')
P = ctypes.c_void_p


def fn(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


version_str = fn('rd_kafka_version_str', ctypes.c_char_p)
conf_new = fn('rd_kafka_conf_new', P)
conf_set = fn('rd_kafka_conf_set', ctypes.c_int, P, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t)
kafka_new = fn('rd_kafka_new', P, ctypes.c_int, P, ctypes.c_char_p, ctypes.c_size_t)
kafka_destroy = fn('rd_kafka_destroy', None, P)
error_string = fn('rd_kafka_error_string', ctypes.c_char_p, P)


class TopicPartition(ctypes.Structure):
    _fields_ = [('topic', ctypes.c_char_p), ('partition', ctypes.c_int32), ('offset', ctypes.c_int64),
                ('metadata', P), ('metadata_size', ctypes.c_size_t), ('opaque', P), ('err', ctypes.c_int), ('_private', P)]
