// The V8 flags `node` runs the product with: the image's ENTRYPOINT (Dockerfile; test/deploy/dockerfile.test.ts
// keeps the two equal) and the benchmark's operator process (bench/operator-process.ts), so the memory the
// benchmark reports is the memory a pod uses.
//
// --max-semi-space-size=2 (MiB): V8 grows the young generation to 2 x 16 MiB during the start-up burst
// (module loading, the informers' initial lists) and keeps it; nearly all of it is empty afterwards. An
// operator allocates little and briefly per reconcile, so 2 x 2 MiB costs a few more scavenges and no
// throughput that matters (5000 Partitions settle in 8-9 s CPU either way). Measured (bench memory phase,
// RSS after settling): 5000 Partition CRs ~170-200 MiB without it, 125-145 MiB with it; no CRs 140 -> 110 MiB.
//
// --optimize-for-size: V8's heuristics for a small heap (smaller growth steps, collects sooner). Without it the
// heap grown by settling 5000 Partitions (5000 status writes and Events) was not collected while idle: RSS
// 151-154 MiB after settling on a quiet machine, 123 MiB with it (bench memory phase); CPU to settle
// 5.9 -> 7.2 s.
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--optimize-for-size'];
