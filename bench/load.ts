/**
 * Load generation with autocannon, plus the few plain requests around it (getting the
 * returning user's cookie, reading a response's headers).
 */
import autocannon from 'autocannon';

/** What one load run measured. */
export interface LoadResult {
  /** Completed responses divided by the run's duration. */
  rps: number;
  /** Completed responses. */
  responses: number;
  /** Median latency in microseconds. */
  p50Us: number;
  /** 99th percentile latency in microseconds. */
  p99Us: number;
  /** Connection errors plus timeouts. */
  errors: number;
  /** Responses whose status was not 2xx. */
  non2xx: number;
  /** Duration of the run in seconds, as autocannon measured it. */
  seconds: number;
  /**
   * CPU time the server process (all its threads, the libuv pool included) used per response
   * during the run, in µs; set by the runner. Unlike req/s, it hardly depends on how busy the
   * machine is otherwise.
   */
  serverCpuUs?: number;
}

/** Options of one load run. */
export interface LoadOptions {
  url: string;
  /** Connections sharing `headers`. */
  connections: number;
  seconds: number;
  headers: Record<string, string>;
  /**
   * Instead of `connections` × `headers`: one connection per entry, each with its own headers
   * (one autocannon instance per connection, all in this process, run together).
   */
  perConnection?: Record<string, string>[];
}

/** Latencies above this many microseconds share the histogram's last bucket. */
const MAX_TRACKED_US = 1_000_000;

/**
 * A latency histogram with 1 µs buckets (autocannon's own one has 1 ms resolution, too coarse
 * for servers answering in a fraction of a millisecond).
 */
class MicrosecondHistogram {
  readonly #counts = new Uint32Array(MAX_TRACKED_US + 1);
  #total = 0;

  record(ms: number): void {
    const us = Math.min(MAX_TRACKED_US, Math.round(ms * 1000));
    this.#counts[us]!++;
    this.#total++;
  }

  percentile(p: number): number {
    if (this.#total === 0) return 0;
    const rank = Math.ceil((p / 100) * this.#total);
    let seen = 0;
    for (let us = 0; us < this.#counts.length; us++) {
      seen += this.#counts[us]!;
      if (seen >= rank) return us;
    }
    return MAX_TRACKED_US;
  }
}

/** Runs autocannon against `url` and summarizes the run. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const histogram = new MicrosecondHistogram();
  const groups = options.perConnection?.map((headers) => ({ connections: 1, headers })) ?? [{ connections: options.connections, headers: options.headers }];
  const results = await Promise.all(
    groups.map((group) => {
      const instance = autocannon({ url: options.url, connections: group.connections, duration: options.seconds, headers: group.headers, timeout: 10 });
      instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
        if (statusCode >= 200 && statusCode < 300) histogram.record(responseTimeMs);
      });
      return instance;
    }),
  );
  const responses = results.reduce((sum, r) => sum + r.requests.total, 0);
  const seconds = Math.max(...results.map((r) => r.duration));
  return {
    rps: seconds > 0 ? responses / seconds : 0,
    responses,
    p50Us: histogram.percentile(50),
    p99Us: histogram.percentile(99),
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    seconds,
  };
}

/** A plain response: status, body and its Set-Cookie values. */
export interface ProbeResponse {
  status: number;
  body: string;
  setCookie: string[];
}

/** One GET request with an optional Cookie header. */
export async function probe(url: string, cookie?: string): Promise<ProbeResponse> {
  const response = await fetch(url, { headers: cookie ? { cookie } : {} });
  return { status: response.status, body: await response.text(), setCookie: response.headers.getSetCookie() };
}

/** The `Cookie` header a browser would send back after receiving these Set-Cookie values. */
export function cookieHeaderFrom(setCookie: readonly string[]): string {
  return setCookie.map((value) => value.slice(0, value.indexOf(';') === -1 ? value.length : value.indexOf(';'))).join('; ');
}

/** Total bytes of Set-Cookie header values (UTF-8). */
export function setCookieBytes(setCookie: readonly string[]): number {
  return setCookie.reduce((sum, value) => sum + Buffer.byteLength(value), 0);
}
