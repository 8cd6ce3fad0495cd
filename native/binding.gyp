{
  "targets": [
    {
      "target_name": "rafka_native",
      "sources": ["addon.c", "crc32c.c", "read-ahead.c", "process-exit.c", "socket-options.c", "sendfile.c"],
      "cflags": ["-O3", "-std=gnu11", "-pthread"],
      "ldflags": ["-pthread"]
    }
  ]
}
