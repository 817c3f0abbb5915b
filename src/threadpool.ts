/**
 * libuv's thread pool runs every fs call (and the WAL fsyncs): its default of 4 threads caps
 * concurrent fsyncs at 4, so 32 concurrent small PUTs queue behind each other. Imported first by
 * main.ts, before anything has used the pool (it is created on first use, reading this variable).
 * An explicit UV_THREADPOOL_SIZE in the environment wins.
 */
const THREADPOOL_SIZE = 16;

process.env.UV_THREADPOOL_SIZE ??= String(THREADPOOL_SIZE);
