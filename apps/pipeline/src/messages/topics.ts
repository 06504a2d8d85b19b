import { SCRAPER_COMPLETE_TOPIC } from './scraper-completion.js';

/** The name of every topic phases talk on, in one place. */
export const topics = {
  scraperComplete: SCRAPER_COMPLETE_TOPIC,
  phaseComplete: 'phase-complete',
  phaseTrigger: 'phase-trigger',
  predictionRequest: 'prediction-request',
  predictionResult: 'prediction-result',
  gradingTrigger: 'grading-trigger',
} as const;

/** A topic name of {@link topics}. */
export type TopicName = (typeof topics)[keyof typeof topics];
