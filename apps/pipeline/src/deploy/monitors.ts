/** A monitor run by Cloud Scheduler: an HTTP handler of a service, on a cron. */
export interface MonitorSchedule {
  /** The scheduler job's name. */
  readonly name: string;
  /** A unix-cron expression. */
  readonly schedule: string;
  /** @default 'Etc/UTC' */
  readonly timeZone?: string;
  /** The service whose handler it calls (a name of the plan's services). */
  readonly service: string;
  /** The handler's route on that service, without a leading slash. */
  readonly route: string;
  /** @default 'POST' */
  readonly httpMethod?: 'GET' | 'POST';
}

/**
 * The monitors the pipeline schedules. None exist yet: monitors add themselves here, and
 * `deployPlan` turns each into a scheduler job.
 */
export const monitorSchedules: readonly MonitorSchedule[] = [];
