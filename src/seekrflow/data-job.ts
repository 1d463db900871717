import { z } from 'zod';

/**
 * A page of the job list. An item is the detail object without its collections; only what discovery
 * and the feeds' filters read is checked, leniently (a missing name or type reads as empty).
 */
export const DataJobList = z.looseObject({
  data: z.array(
    z.looseObject({
      id: z.string(),
      name: z
        .string()
        .nullish()
        .transform((v) => v ?? ''),
      job_type: z
        .string()
        .nullish()
        .transform((v) => v ?? ''),
      user_id: z
        .string()
        .nullish()
        .transform((v) => v ?? ''),
      created_at: z
        .string()
        .nullish()
        .transform((v) => v ?? ''),
    }),
  ),
});
