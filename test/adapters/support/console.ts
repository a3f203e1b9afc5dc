/** What `console.error` was called with while `run` ran (nothing is printed meanwhile). */
export async function captureConsoleErrors<R>(run: () => Promise<R>): Promise<{ result: R; logged: unknown[][] }> {
  const logged: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void logged.push(args);
  try {
    return { result: await run(), logged };
  } finally {
    console.error = original;
  }
}
