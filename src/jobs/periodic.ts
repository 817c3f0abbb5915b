/**
 * The loop of a background job that several gateways may run under a lease (the lifecycle
 * scheduler, the orphan collector): a tick every `intervalMs` until stopped, its errors logged
 * (except StopPass, by which a tick ends early), and sleeps that stop() cuts short.
 */

/** Thrown inside a tick to end it early (stopping, or the lease lost): not an error. */
export class StopPass extends Error {}

export interface PeriodicJob {
  readonly stopped: boolean;
  /** Sleeps `ms`, or less if the job stops meanwhile. */
  sleep(ms: number): Promise<void>;
  /** Stops: the sleep under way ends; resolves once the current tick has ended. */
  stop(): Promise<void>;
}

export function startPeriodic(tick: () => Promise<void>, intervalMs: number, logError: (error: unknown) => void): PeriodicJob {
  let stopped = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number): Promise<void> => {
    if (ms <= 0 || stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  };
  // The first tick after this returns: a tick may use the job (job.stopped, job.sleep).
  const loop: Promise<void> = Promise.resolve().then(async () => {
    while (!stopped) {
      try {
        await tick();
      } catch (error) {
        if (!(error instanceof StopPass)) logError(error);
      }
      await sleep(intervalMs);
    }
  });
  return {
    get stopped() {
      return stopped;
    },
    sleep,
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
