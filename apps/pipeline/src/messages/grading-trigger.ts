import { z } from 'zod';
import { calendarDate, correlationId } from './fields.js';

/** Starts grading a day's predictions against the box scores. */
export const gradingTriggerSchema = z.object({ dataDate: calendarDate, correlationId });

/** A grading-trigger message, as {@link gradingTriggerSchema} parses it. */
export type GradingTrigger = z.infer<typeof gradingTriggerSchema>;
