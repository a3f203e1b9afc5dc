/**
 * The part of autocannon 8's API the benchmarks use (the package ships no types).
 */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  /** Options of one autocannon run. */
  export interface AutocannonOptions {
    url: string;
    connections?: number;
    duration?: number;
    pipelining?: number;
    timeout?: number;
    headers?: Record<string, string>;
    method?: string;
  }

  /** Percentiles and aggregates of one histogram. */
  export interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    total: number;
    p50: number;
    p99: number;
  }

  /** What a finished run reports. */
  export interface AutocannonResult {
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    resets: number;
    '2xx': number;
    latency: Histogram;
    requests: Histogram & { sent: number };
    throughput: Histogram;
  }

  /** A running load test; emits `response` (client, statusCode, bytes, responseTimeMs) per response. */
  export interface Instance extends EventEmitter, PromiseLike<AutocannonResult> {
    stop(): void;
  }

  /** Starts a load test; resolves with its result. */
  function autocannon(options: AutocannonOptions): Instance;
  export default autocannon;
}
