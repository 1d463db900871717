import type { DataJob } from './data-job.js';

/*
 * The `DataJob` zod schema (data-job.ts), checked by hand: one pass over what the bot reads, in
 * place, with no allocation but the defaults the schema supplies. zod stays the source of the types
 * and the reference: validate-job.test.ts runs both over many inputs and fails if they differ in
 * verdict, output or first error (path and message), or if a schema gains a field this file does
 * not list.
 *
 * The rules, as in data-job.ts: unknown fields are kept (as z.looseObject keeps them, except an own
 * `__proto__` key, which zod drops and so does this); statuses and timestamps are free strings;
 * missing or null lists become [], a missing or null `alignment_job`/`alignment_job_id` becomes
 * null, `deleted` false, `metadata` {}.
 *
 * Input must be fresh from JSON.parse: it is mutated (defaults filled in) and returned as the job;
 * after a failure it may be partly filled in, and is not to be used.
 */

/**
 * The fields each validator below checks, in the schema's order (zod reports the first failing field
 * in that order). A test compares them to the schemas' shapes; the agreement test catches a check
 * that does not do what the schema does.
 */
export const VALIDATED_KEYS = {
  DataJob: [
    'id',
    'user_id',
    'name',
    'job_type',
    'alignment_job_id',
    'created_at',
    'updated_at',
    'status',
    'system_prompt',
    'system_prompt_updated_at',
    'instructions',
    'instructions_updated_at',
    'resolved_instructions',
    'vector_database_id',
    'additional_alignment_file_ids',
    'ingestion_jobs',
    'alignment_job',
    'files',
    'fine_tuning_job_ids',
    'timeline',
  ],
  IngestionJob: ['id', 'status', 'created_at', 'updated_at', 'file_ids', 'records'],
  IngestionRecord: [
    'record_id',
    'ingestion_job_id',
    'alignment_file_id',
    'user_id',
    'filename',
    'metaflow_job_id',
    'method',
    'status',
    'queue_position',
    'error_message',
    'suggested_fix',
    'worker_id',
    'deleted',
    'created_at',
    'processing_at',
    'completed_at',
    'failed_at',
  ],
  AlignmentJob: [
    'id',
    'created_at',
    'updated_at',
    'completed_at',
    'status',
    'current_step',
    'step_progress',
    'progress',
    'estimated_completion_at',
    'eta_minutes',
    'status_message',
  ],
  DataJobFile: ['file_id', 'record_id', 'name', 'type', 'created_at', 'status', 'suggested_fix', 'bytes'],
  TimelineEvent: ['timestamp', 'event_type', 'message', 'metadata'],
} as const;

export type DataJobValidation = { success: true; data: DataJob } | { success: false; path: (string | number)[]; message: string };

/** A failure on its way up: the path is built from the failing value outwards, only once something failed. */
interface Failure {
  path: (string | number)[];
  message: string;
}

type JsonObject = Record<string, unknown>;

/**
 * Checks `json` (fresh from JSON.parse) against the DataJob schema as zod would, filling in the
 * schema's defaults in place. On failure: the path and message of the first issue zod would report.
 */
export function validateDataJob(json: unknown): DataJobValidation {
  if (!isObject(json)) return { success: false, path: [], message: expected('object', json) };
  const failure = checkDataJob(json);
  if (failure) return { success: false, path: failure.path, message: failure.message };
  return { success: true, data: json as DataJob };
}

/*
 * One function per schema, each field read by name (a named property load on objects of one shape is
 * what makes this fast: a loop over a table of keys measured 5 × slower). Each check returns null or
 * the failure, so `??` stops at the first failing field, in the schema's order.
 */

function checkDataJob(job: JsonObject): Failure | null {
  return (
    string('id', job.id) ??
    string('user_id', job.user_id) ??
    string('name', job.name) ??
    string('job_type', job.job_type) ??
    stringOrNull(job, 'alignment_job_id', job.alignment_job_id) ??
    string('created_at', job.created_at) ??
    string('updated_at', job.updated_at) ??
    string('status', job.status) ??
    nullishString('system_prompt', job.system_prompt) ??
    nullishString('system_prompt_updated_at', job.system_prompt_updated_at) ??
    nullishString('instructions', job.instructions) ??
    nullishString('instructions_updated_at', job.instructions_updated_at) ??
    nullishString('resolved_instructions', job.resolved_instructions) ??
    nullishString('vector_database_id', job.vector_database_id) ??
    strings(job, 'additional_alignment_file_ids', job.additional_alignment_file_ids) ??
    objects(job, 'ingestion_jobs', job.ingestion_jobs, checkIngestionJob) ??
    objectOrNull(job, 'alignment_job', job.alignment_job, checkAlignmentJob) ??
    objects(job, 'files', job.files, checkFile) ??
    strings(job, 'fine_tuning_job_ids', job.fine_tuning_job_ids) ??
    objects(job, 'timeline', job.timeline, checkEvent) ??
    dropProto(job)
  );
}

function checkIngestionJob(run: JsonObject): Failure | null {
  return (
    string('id', run.id) ??
    string('status', run.status) ??
    string('created_at', run.created_at) ??
    string('updated_at', run.updated_at) ??
    strings(run, 'file_ids', run.file_ids) ??
    objects(run, 'records', run.records, checkRecord) ??
    dropProto(run)
  );
}

function checkRecord(record: JsonObject): Failure | null {
  return (
    string('record_id', record.record_id) ??
    string('ingestion_job_id', record.ingestion_job_id) ??
    string('alignment_file_id', record.alignment_file_id) ??
    string('user_id', record.user_id) ??
    string('filename', record.filename) ??
    nullishString('metaflow_job_id', record.metaflow_job_id) ??
    nullishString('method', record.method) ??
    string('status', record.status) ??
    nullishNumber('queue_position', record.queue_position) ??
    nullishString('error_message', record.error_message) ??
    nullishString('suggested_fix', record.suggested_fix) ??
    nullishString('worker_id', record.worker_id) ??
    booleanOrFalse(record, 'deleted', record.deleted) ??
    string('created_at', record.created_at) ??
    nullishString('processing_at', record.processing_at) ??
    nullishString('completed_at', record.completed_at) ??
    nullishString('failed_at', record.failed_at) ??
    dropProto(record)
  );
}

function checkAlignmentJob(alignment: JsonObject): Failure | null {
  return (
    string('id', alignment.id) ??
    string('created_at', alignment.created_at) ??
    nullishString('updated_at', alignment.updated_at) ??
    nullishString('completed_at', alignment.completed_at) ??
    string('status', alignment.status) ??
    nullishString('current_step', alignment.current_step) ??
    nullishNumberOrString('step_progress', alignment.step_progress) ??
    nullishNumber('progress', alignment.progress) ??
    nullishString('estimated_completion_at', alignment.estimated_completion_at) ??
    nullishNumber('eta_minutes', alignment.eta_minutes) ??
    nullishString('status_message', alignment.status_message) ??
    dropProto(alignment)
  );
}

function checkFile(file: JsonObject): Failure | null {
  return (
    string('file_id', file.file_id) ??
    nullishString('record_id', file.record_id) ??
    nullishString('name', file.name) ??
    nullishString('type', file.type) ??
    nullishString('created_at', file.created_at) ??
    nullishString('status', file.status) ??
    nullishString('suggested_fix', file.suggested_fix) ??
    nullishNumber('bytes', file.bytes) ??
    dropProto(file)
  );
}

function checkEvent(event: JsonObject): Failure | null {
  return (
    string('timestamp', event.timestamp) ??
    string('event_type', event.event_type) ??
    string('message', event.message) ??
    recordOrEmpty(event, 'metadata', event.metadata) ??
    dropProto(event)
  );
}

/* The field rules, each named after the zod schema it stands for. */

/** z.string() */
function string(key: string, value: unknown): Failure | null {
  return typeof value === 'string' ? null : invalid(key, 'string', value);
}

/** z.string().nullish(): kept as sent. */
function nullishString(key: string, value: unknown): Failure | null {
  return value == null || typeof value === 'string' ? null : invalid(key, 'string', value);
}

/** z.string().nullish().transform((v) => v ?? null) */
function stringOrNull(object: JsonObject, key: string, value: unknown): Failure | null {
  if (value == null) object[key] = null;
  else if (typeof value !== 'string') return invalid(key, 'string', value);
  return null;
}

/** z.number().nullish() */
function nullishNumber(key: string, value: unknown): Failure | null {
  return value == null || isNumber(value) ? null : invalid(key, 'number', value);
}

/** z.union([z.number(), z.string()]).nullish(): a union that fails says only "Invalid input". */
function nullishNumberOrString(key: string, value: unknown): Failure | null {
  return value == null || isNumber(value) || typeof value === 'string' ? null : { path: [key], message: 'Invalid input' };
}

/** z.boolean().nullish().transform((v) => v ?? false) */
function booleanOrFalse(object: JsonObject, key: string, value: unknown): Failure | null {
  if (value == null) object[key] = false;
  else if (typeof value !== 'boolean') return invalid(key, 'boolean', value);
  return null;
}

/** z.record(z.string(), z.unknown()).nullish().transform((v) => v ?? {}) */
function recordOrEmpty(object: JsonObject, key: string, value: unknown): Failure | null {
  if (value == null) object[key] = {};
  else if (!isObject(value)) return invalid(key, 'record', value);
  else dropProto(value);
  return null;
}

/** z.array(z.string()).nullish().transform((v) => v ?? []) */
function strings(object: JsonObject, key: string, value: unknown): Failure | null {
  if (value == null) object[key] = [];
  else if (!Array.isArray(value)) return invalid(key, 'array', value);
  else return within(key, checkStrings(value));
  return null;
}

/** z.array(z.looseObject(…)).nullish().transform((v) => v ?? []) */
function objects(object: JsonObject, key: string, value: unknown, check: (item: JsonObject) => Failure | null): Failure | null {
  if (value == null) object[key] = [];
  else if (!Array.isArray(value)) return invalid(key, 'array', value);
  else return within(key, checkObjects(value, check));
  return null;
}

/** z.looseObject(…).nullish().transform((v) => v ?? null) */
function objectOrNull(object: JsonObject, key: string, value: unknown, check: (item: JsonObject) => Failure | null): Failure | null {
  if (value == null) object[key] = null;
  else if (!isObject(value)) return invalid(key, 'object', value);
  else return within(key, check(value));
  return null;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A failure inside `key`'s value, seen from the object that holds it. */
function within(key: string | number, failure: Failure | null): Failure | null {
  failure?.path.unshift(key);
  return failure;
}

function checkStrings(items: unknown[]): Failure | null {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (typeof item !== 'string') return invalid(i, 'string', item);
  }
  return null;
}

function checkObjects(items: unknown[], check: (item: JsonObject) => Failure | null): Failure | null {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const failure = isObject(item) ? within(i, check(item)) : invalid(i, 'object', item);
    if (failure) return failure;
  }
  return null;
}

/** z.number(): NaN and ±Infinity are not numbers (JSON has neither, but the check is zod's). */
function isNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * The last step of each object: zod copies an object key by key and leaves out an own `__proto__`
 * key (assigning it would replace the copy's prototype); in place, the key is deleted, so the output
 * is the same. Never fails.
 */
function dropProto(object: JsonObject): null {
  if (Object.hasOwn(object, '__proto__')) Reflect.deleteProperty(object, '__proto__');
  return null;
}

function invalid(key: string | number, type: string, value: unknown): Failure {
  return { path: [key], message: expected(type, value) };
}

/** zod's English message for an invalid type (its locale's `invalid_type`, naming the value as its parsedType does). */
function expected(type: string, value: unknown): string {
  return `Invalid input: expected ${type}, received ${received(value)}`;
}

function received(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'object') {
    const ctor = (value as { constructor?: unknown }).constructor;
    if (Object.getPrototypeOf(value) !== Object.prototype && typeof ctor === 'function' && ctor.name) return ctor.name;
  }
  return typeof value;
}
