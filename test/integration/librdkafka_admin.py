#!/usr/bin/env python3
"""librdkafka's admin API through ctypes (Debian 12's librdkafka1 2.0.2, the library kcat uses):
ListConsumerGroups (ListGroups v4 with one extra byte) and ListConsumerGroupOffsets with no partitions
(OffsetFetch v7 with three extra bytes). Prints one JSON line:
{"version": "...", "groups": [...], "listErrors": [...], "offsets": {"group": [[topic, partition, offset]], "error": ...}}
Usage: librdkafka_admin.py BOOTSTRAP GROUP
"""
import ctypes
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from librdkafka_ctypes import P, TopicPartition, conf_new, conf_set, error_string, fn, kafka_destroy, kafka_new, version_str  # noqa: E402

queue_new = fn('rd_kafka_queue_new', P, P)
queue_destroy = fn('rd_kafka_queue_destroy', None, P)
queue_poll = fn('rd_kafka_queue_poll', P, P, ctypes.c_int)
event_destroy = fn('rd_kafka_event_destroy', None, P)
event_error = fn('rd_kafka_event_error', ctypes.c_int, P)
event_error_string = fn('rd_kafka_event_error_string', ctypes.c_char_p, P)

list_groups = fn('rd_kafka_ListConsumerGroups', None, P, P, P)
list_groups_result = fn('rd_kafka_event_ListConsumerGroups_result', P, P)
list_groups_valid = fn('rd_kafka_ListConsumerGroups_result_valid', ctypes.POINTER(P), P, ctypes.POINTER(ctypes.c_size_t))
list_groups_errors = fn('rd_kafka_ListConsumerGroups_result_errors', ctypes.POINTER(P), P, ctypes.POINTER(ctypes.c_size_t))
listing_group_id = fn('rd_kafka_ConsumerGroupListing_group_id', ctypes.c_char_p, P)

offsets_new = fn('rd_kafka_ListConsumerGroupOffsets_new', P, ctypes.c_char_p, P)
offsets_destroy = fn('rd_kafka_ListConsumerGroupOffsets_destroy', None, P)
list_offsets = fn('rd_kafka_ListConsumerGroupOffsets', None, P, ctypes.POINTER(P), ctypes.c_size_t, P, P)
list_offsets_result = fn('rd_kafka_event_ListConsumerGroupOffsets_result', P, P)
list_offsets_groups = fn('rd_kafka_ListConsumerGroupOffsets_result_groups', ctypes.POINTER(P), P, ctypes.POINTER(ctypes.c_size_t))
group_result_name = fn('rd_kafka_group_result_name', ctypes.c_char_p, P)
group_result_error = fn('rd_kafka_group_result_error', P, P)
group_result_partitions = fn('rd_kafka_group_result_partitions', P, P)


class TopicPartitionList(ctypes.Structure):
    _fields_ = [('cnt', ctypes.c_int), ('size', ctypes.c_int), ('elems', ctypes.POINTER(TopicPartition))]


def main():
    bootstrap, group = sys.argv[1], sys.argv[2]
    errstr = ctypes.create_string_buffer(512)
    conf = conf_new()
    for k, v in (('bootstrap.servers', bootstrap), ('client.id', 'rdkafka')):
        if conf_set(conf, k.encode(), v.encode(), errstr, 512) != 0:
            raise SystemExit(errstr.value.decode())
    rk = kafka_new(0, conf, errstr, 512)  # RD_KAFKA_PRODUCER
    if not rk:
        raise SystemExit(errstr.value.decode())
    q = queue_new(rk)
    out = {'version': version_str().decode()}

    list_groups(rk, None, q)
    ev = queue_poll(q, 20000)
    if not ev:
        raise SystemExit('no ListConsumerGroups result')
    res = list_groups_result(ev)
    cnt = ctypes.c_size_t()
    valid = list_groups_valid(res, ctypes.byref(cnt))
    out['groups'] = sorted(listing_group_id(valid[i]).decode() for i in range(cnt.value))
    errs = list_groups_errors(res, ctypes.byref(cnt))
    out['listErrors'] = [error_string(errs[i]).decode() for i in range(cnt.value)]
    if event_error(ev):
        out['listErrors'].append(event_error_string(ev).decode())
    event_destroy(ev)

    req = offsets_new(group.encode(), None)
    arr = (P * 1)(req)
    list_offsets(rk, arr, 1, None, q)
    offsets_destroy(req)
    ev = queue_poll(q, 20000)
    if not ev:
        raise SystemExit('no ListConsumerGroupOffsets result')
    offsets = {'error': event_error_string(ev).decode() if event_error(ev) else None, 'partitions': []}
    if not event_error(ev):
        res = list_offsets_result(ev)
        groups = list_offsets_groups(res, ctypes.byref(cnt))
        for i in range(cnt.value):
            gerr = group_result_error(groups[i])
            if gerr:
                offsets['error'] = error_string(gerr).decode()
            plist = ctypes.cast(group_result_partitions(groups[i]), ctypes.POINTER(TopicPartitionList))
            if plist:
                for j in range(plist.contents.cnt):
                    tp = plist.contents.elems[j]
                    offsets['partitions'].append([tp.topic.decode(), tp.partition, tp.offset])
    out['offsets'] = offsets
    event_destroy(ev)
    queue_destroy(q)
    kafka_destroy(rk)
    print(json.dumps(out))


main()
