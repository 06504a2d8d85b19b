import { isCalendarDate } from '@pipewell/core';
import { z } from 'zod';

/** A day as `YYYY-MM-DD` that exists on the calendar (`2026-02-30` is refused). */
export const calendarDate = z
  .string()
  .refine(isCalendarDate, { message: 'must be a calendar date as YYYY-MM-DD' });

/** One of the pipeline's six phases: scrapers, raw, analytics, precompute, predictions, grading. */
export const phaseNumber = z.number().int().min(1).max(6);

/** Carried through every phase of one pipeline run, for tracing. */
export const correlationId = z.string().min(1);

/** A processor's name, as `defineProcessor` accepts it. */
export const processorName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]*$/, { message: 'must be lower-case letters, digits, "_" or "-"' });
