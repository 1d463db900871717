import { describe, expect, it } from 'vitest';
import { postgresMigrations } from '../../src/storage/postgres/migrations.js';
import { sqliteMigrations } from '../../src/storage/sqlite/migrations.js';

describe('the two engines’ migrations', () => {
  it('are the same versions, under the same names, in order, each with its SQL', () => {
    const outline = (list: typeof sqliteMigrations) =>
      list.map((m) => ({ version: m.version, name: m.name, folds: m.foldsDiscoveredJobs ?? false }));
    expect(outline(postgresMigrations)).toEqual(outline(sqliteMigrations));
    expect(sqliteMigrations.map((m) => m.version)).toEqual(sqliteMigrations.map((_, i) => i + 1));
    for (const m of [...sqliteMigrations, ...postgresMigrations]) expect(m.sql.trim()).not.toBe('');
  });
});
