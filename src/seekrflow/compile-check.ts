import type { z } from 'zod';
import { FILLED_WITH } from '../domain/data-job.js';

/**
 * A zod schema's verdict in one pass, in place: the schema compiled into a plain function that reads
 * each field by name (what makes a check fast: a loop over a table of keys is much
 * slower), fills in the schema's defaults where the input has none, and allocates nothing else.
 * zod's own parse, over a 2,000-file job, copies every object and costs several times JSON.parse.
 *
 * The schema stays the one description of a job: this walks it, and knows only the constructs the
 * job's schemas use (loose objects, strings, finite numbers, booleans, nullish, arrays, unions of
 * those, records of anything, and the defaults of FILLED_WITH). Anything else throws when compiled,
 * so a schema that grows past what this knows fails at once, not quietly.
 *
 * The compiled check says only yes or no: on no, the caller asks zod why (the first issue, its path
 * and message), and zod's verdict stands. Input must be fresh from JSON.parse: it is mutated (defaults
 * filled in, an own `__proto__` key dropped, as zod's copy drops it) and, on yes, is the output.
 */
export type CompiledCheck = (value: unknown) => boolean;

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  checks?: unknown[];
}

/** The statements checking a leaf of the schema (a value with nothing inside it). */
const LEAF_CHECKS: Record<string, (value: string) => string> = {
  string: (v) => `if (typeof ${v} !== 'string') return false;`,
  number: (v) => `if (typeof ${v} !== 'number' || !Number.isFinite(${v})) return false;`,
  boolean: (v) => `if (typeof ${v} !== 'boolean') return false;`,
  unknown: () => '',
};

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

export function compileCheck(schema: z.ZodType): CompiledCheck {
  const functions: string[] = [];
  const fills: (() => unknown)[] = [];
  const named = new Map<z.ZodType, string>();
  let temp = 0;

  /** The name of a function `(v) => boolean` checking `node` (one per schema, compiled once). */
  const checker = (node: z.ZodType): string => {
    const known = named.get(node);
    if (known) return known;
    const name = `c${named.size}`;
    named.set(node, name);
    const body = statements(node, 'v', null);
    functions.push(`function ${name}(v) {\n${body}\nreturn true;\n}`);
    if (defOf(node).type === 'object') functions.push(fieldsOf(node, name));
    return name;
  };

  /**
   * Statements that `return false` unless `value` (an expression read once into a local) fits `node`;
   * `target` is where a default is written (`object["key"]`), or null where none can be.
   */
  const statements = (node: z.ZodType, value: string, target: string | null): string => {
    const def = defOf(node);
    if (def.checks && def.checks.length > 0) throw unknownConstruct(`${def.type} with checks`);
    const fill = FILLED_WITH.get(node);
    if (fill !== undefined) {
      if (target === null) throw unknownConstruct('a default where nothing holds the value');
      const inner = defOf(def.in as z.ZodType);
      const nullable = inner.type === 'optional' ? defOf(inner.innerType as z.ZodType) : null;
      if (def.type !== 'pipe' || nullable?.type !== 'nullable')
        throw unknownConstruct('a default that is not schema.nullish().transform(…)');
      fills.push(fill);
      return `if (${value} == null) ${target} = fills[${fills.length - 1}]();\nelse {\n${statements(nullable.innerType as z.ZodType, value, null)}\n}`;
    }
    const leaf = LEAF_CHECKS[def.type];
    if (leaf) return leaf(value);
    switch (def.type) {
      case 'optional':
        return `if (${value} !== undefined) {\n${statements(def.innerType as z.ZodType, value, null)}\n}`;
      case 'nullable':
        return `if (${value} !== null) {\n${statements(def.innerType as z.ZodType, value, null)}\n}`;
      case 'union': {
        const options = (def.options ?? []).map((option) => `${checker(option)}(${value})`);
        return `if (!(${options.join(' || ')})) return false;`;
      }
      case 'array': {
        const i = `i${temp++}`;
        const item = `e${temp++}`;
        return `if (!Array.isArray(${value})) return false;\nfor (let ${i} = 0; ${i} < ${value}.length; ${i}++) {\nconst ${item} = ${value}[${i}];\n${statements(def.element as z.ZodType, item, `${value}[${i}]`)}\n}`;
      }
      case 'record': {
        if (defOf(def.keyType as z.ZodType).type !== 'string' || defOf(def.valueType as z.ZodType).type !== 'unknown') {
          throw unknownConstruct('a record other than z.record(z.string(), z.unknown())');
        }
        return `if (!isObject(${value})) return false;\ndropProto(${value});`;
      }
      case 'object': {
        // A loose object only: a stripping or strict one would have to copy or reject unknown keys.
        if (!def.catchall || defOf(def.catchall).type !== 'unknown') throw unknownConstruct('an object that is not a z.looseObject');
        return `if (!isObject(${value}) || !${checker(node)}Fields(${value})) return false;`;
      }
      default:
        throw unknownConstruct(def.type);
    }
  };

  /** An object's fields, each read by name into a local, in the schema's order. */
  const fieldsOf = (node: z.ZodType, name: string): string => {
    const lines: string[] = [];
    for (const [key, field] of Object.entries(defOf(node).shape ?? {})) {
      const local = `f${temp++}`;
      const at = `o[${JSON.stringify(key)}]`;
      lines.push(`const ${local} = ${at};`, statements(field, local, at));
    }
    return `function ${name}Fields(o) {\n${lines.join('\n')}\ndropProto(o);\nreturn true;\n}`;
  };

  const root = checker(schema);
  const source = `${functions.join('\n')}\nreturn ${root};`;
  return new Function('fills', 'isObject', 'dropProto', source)(fills, isObject, dropProto) as CompiledCheck;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** zod's copy of an object leaves out an own `__proto__` key (assigning it would set the prototype); so does this. */
function dropProto(object: Record<string, unknown>): void {
  if (Object.hasOwn(object, '__proto__')) Reflect.deleteProperty(object, '__proto__');
}

function unknownConstruct(what: string): Error {
  return new Error(`compileCheck: the schema uses ${what}, which the fast path does not know; teach compile-check.ts, or read with zod`);
}
