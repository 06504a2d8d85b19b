/** A protobuf Duration as the Pub/Sub client gives and takes it. */
export interface DurationLike {
  readonly seconds?: number | string | { toString(): string } | null;
  readonly nanos?: number | null;
}

/** Seconds as a Duration: whole seconds and nanos (a Duration's seconds are an integer). */
export function toDuration(seconds: number): { seconds: number; nanos: number } {
  const whole = Math.floor(seconds);
  return { seconds: whole, nanos: Math.round((seconds - whole) * 1e9) };
}

/** A Duration in seconds (0 when absent). */
export function fromDuration(duration: DurationLike | null | undefined): number {
  if (duration === null || duration === undefined) return 0;
  return Number(String(duration.seconds ?? 0)) + (duration.nanos ?? 0) / 1e9;
}

/** The short name of `projects/<p>/topics/<name>` or `projects/<p>/subscriptions/<name>`. */
export function shortName(name: string | null | undefined): string {
  const text = name ?? '';
  return text.slice(text.lastIndexOf('/') + 1);
}
