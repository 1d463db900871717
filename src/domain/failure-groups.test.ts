import { beforeAll, describe, expect, it } from 'vitest';
import { type FailedFileInput, groupFailures } from './failure-groups.js';
import { normaliseFailureText } from './failure-text.js';

type File = [name: string, error: string | null, fix: string | null];

const input = (files: File[]): FailedFileInput[] =>
  files.map(([name, error, fix], i) => ({
    fileId: `file-${i}`,
    name,
    error,
    fix,
    failedAt: `2026-07-28T14:${String(59 - i).padStart(2, '0')}:00Z`,
  }));

/** How the files fall into groups: for each group (largest first), the names of its files. */
const grouping = (files: File[]) => groupFailures(input(files)).groups.map((g) => g.names);

const OCR = 'Export the file again with OCR.';

describe('groupFailures: what counts as the same cause', () => {
  it.each<[string, File[], 'one group' | 'apart']>([
    [
      'the file’s own name in the error and the fix',
      [
        ['scan-0042.pdf', 'No extractable text layer in scan-0042.pdf.', 'Export scan-0042.pdf again with OCR.'],
        [
          'Board minutes (final).pdf',
          'No extractable text layer in Board minutes (final).pdf.',
          'Export Board minutes (final).pdf again with OCR.',
        ],
      ],
      'one group',
    ],
    [
      'the name without its extension',
      [
        ['handbook.pdf', 'handbook has no text layer', OCR],
        ['policy manual.docx', 'policy manual has no text layer', OCR],
      ],
      'one group',
    ],
    [
      'page counts and page numbers',
      [
        ['a.pdf', 'Only scanned images (3 pages); page 1 is blank', OCR],
        ['b.pdf', 'Only scanned images (120 pages); page 47 is blank', OCR],
      ],
      'one group',
    ],
    [
      'sizes and percentages',
      [
        ['a.pdf', 'File is 15.2 MB, over the 10 MB limit (152%)', 'Split it'],
        ['b.pdf', 'File is 900 KiB, over the 10 MB limit (9%)', 'Split it'],
        ['c.pdf', 'File is 1,048,576 bytes, over the 10 MB limit (10.5%)', 'Split it'],
      ],
      'one group',
    ],
    [
      'record, job and file ids, uuids and hashes',
      [
        ['a.pdf', 'Record rec-000123 of dj-3f2a9c1e failed (id 0b6f1f5e-3a43-4c1e-9d59-2f1d8c7a1a01, sha 9f86d081884c7d65)', null],
        ['b.pdf', 'Record rec-9 of dj-77 failed (id c56a4180-65aa-42ec-a945-5fd21dec0538, sha 2c26b46b68ffc68f)', null],
      ],
      'one group',
    ],
    [
      'paths and URLs',
      [
        ['a.pdf', 'Could not read /data/uploads/team-a/a.pdf: see https://docs.example.com/ocr?id=1.', null],
        ['b.pdf', 'Could not read C:\\imports\\b.pdf: see http://help.example.org/x.', null],
      ],
      'one group',
    ],
    [
      'other files, quoted, with spaces',
      [
        ['a.pdf', "Duplicate of 'Q3 report (final).docx', already in the job", null],
        ['b.pdf', "Duplicate of 'notes.txt', already in the job", null],
      ],
      'one group',
    ],
    [
      'case, spacing and punctuation',
      [
        ['a.pdf', 'No text layer found.', 'Run OCR'],
        ['b.pdf', '  no TEXT layer   found ', 'run ocr.'],
        ['c.pdf', 'No text layer found!\n', 'Run OCR!'],
      ],
      'one group',
    ],
    [
      'no error and no fix, however it is said',
      [
        ['a.pdf', null, null],
        ['b.pdf', '', '  '],
        ['c.pdf', ' \n', null],
      ],
      'one group',
    ],
    [
      'CJK text with full-width numbers and the name run into it',
      [
        ['報告書.pdf', '報告書.pdfにテキストがありません（１２ページ）', 'OCRで再出力してください'],
        ['議事録.pdf', '議事録.pdfにテキストがありません（３ページ）', 'OCRで再出力してください'],
      ],
      'one group',
    ],
    [
      'accented names',
      [
        ['résumé-1.pdf', 'résumé-1.pdf: texte illisible', 'Réexportez le fichier'],
        ['Café Zürich.pdf', 'Café Zürich.pdf: texte illisible', 'Réexportez le fichier'],
      ],
      'one group',
    ],
    [
      'different causes',
      [
        ['a.pdf', 'No text layer', OCR],
        ['b.pdf', 'Password protected', OCR],
      ],
      'apart',
    ],
    [
      'the same error, another fix',
      [
        ['a.pdf', 'No text layer', 'Run OCR'],
        ['b.pdf', 'No text layer', 'Ask the owner'],
      ],
      'apart',
    ],
    [
      'an error and none',
      [
        ['a.pdf', 'No text layer', null],
        ['b.pdf', null, null],
      ],
      'apart',
    ],
    [
      'a fix and none',
      [
        ['a.pdf', 'No text layer', 'Run OCR'],
        ['b.pdf', 'No text layer', null],
      ],
      'apart',
    ],
    [
      'an error and the same words as a fix',
      [
        ['a.pdf', 'Run OCR', null],
        ['b.pdf', null, 'Run OCR'],
      ],
      'apart',
    ],
    [
      "quoted words that are not file names: 'price' and 'date'",
      [
        ['a.csv', "Column 'price' is missing", null],
        ['b.csv', "Column 'date' is missing", null],
      ],
      'apart',
    ],
    [
      '"e.g." and "i.e." are words, not file names',
      [
        ['a.pdf', 'Use a scanner, e.g. the lobby one', null],
        ['b.pdf', 'Use a scanner, i.e. the lobby one', null],
      ],
      'apart',
    ],
    [
      'a short name is not looked for: "a.pdf" does not eat every "a"',
      [
        ['a.pdf', 'a page is blank', null],
        ['b.pdf', 'the page is blank', null],
      ],
      'apart',
    ],
    [
      'a name inside a longer word stays: "data.pdf" and "metadata"',
      [
        ['data.pdf', 'metadata missing', null],
        ['x.pdf', 'metadata missing', null],
      ],
      'one group',
    ],
    [
      'CJK messages that differ',
      [
        ['a.pdf', 'テキストがありません', null],
        ['b.pdf', 'パスワードで保護されています', null],
      ],
      'apart',
    ],
    [
      'emoji are words too',
      [
        ['a.pdf', 'Broken 📄', null],
        ['b.pdf', 'Broken 🔒', null],
      ],
      'apart',
    ],
  ])('%s: %s', (_name, files, expected) => {
    const groups = grouping(files);
    if (expected === 'one group') expect(groups).toEqual([files.map(([name]) => name)]);
    else expect(groups).toHaveLength(files.length);
  });

  it.each<[string, string | null, string, string]>([
    [
      'the name, a page count and an id',
      'No text layer in scan-0042.pdf (12 pages), record rec-000123.',
      'scan-0042.pdf',
      'no text layer in … … pages record …',
    ],
    ['a size with its unit', 'File is 15.2 MB, over the 10 MB limit', 'x.pdf', 'file is … over the … limit'],
    ['a quoted other name', "Duplicate of 'Q3 report (final).docx'", 'x.pdf', 'duplicate of …'],
    ['a path, then a URL', 'Could not read /data/in/x.pdf: see https://docs.example.com/ocr.', 'y.pdf', 'could not read … see …'],
    ['an apostrophe is not a quote', "doesn't contain 'price'", 'x.csv', 'doesn t contain price'],
    ['full-width digits', 'テキストがありません（１２ページ）', 'x.pdf', 'テキストがありません …ページ'],
    ['null', null, 'x.pdf', ''],
    ['blank', ' \n\t', 'x.pdf', ''],
  ])('normalises %s', (_what, text, name, expected) => {
    expect(normaliseFailureText(text, name)).toBe(expected);
  });
});

describe('groupFailures: what a group says', () => {
  const nine = Array.from(
    { length: 9 },
    (_, i): File => [
      `scan-${i}.pdf`,
      `No extractable text layer in scan-${i}.pdf (${i === 0 ? 3 : 12} pages).`,
      `Export scan-${i}.pdf again with OCR.`,
    ],
  );
  const files: File[] = [
    ['report.docx', 'Password protected', 'Ask the owner for an unprotected copy.'],
    ...nine.slice(0, 4),
    ['notes.txt', 'Empty file', null],
    ...nine.slice(4),
  ];

  it('counts, keeps the first names (most recent first) and replaces only what varies with "…"', () => {
    const result = groupFailures(input(files), { names: 3 });
    expect(result.total).toBe(11);
    expect(result.causes).toBe(3);
    expect(result.groups).toEqual([
      {
        count: 9,
        error: 'No extractable text layer in … (… pages).',
        fix: 'Export … again with OCR.',
        names: ['scan-0.pdf', 'scan-1.pdf', 'scan-2.pdf'],
        latestFailedAt: '2026-07-28T14:58:00Z',
      },
      // Ties: the group whose latest failure is the most recent first.
      {
        count: 1,
        error: 'Password protected',
        fix: 'Ask the owner for an unprotected copy.',
        names: ['report.docx'],
        latestFailedAt: '2026-07-28T14:59:00Z',
      },
      { count: 1, error: 'Empty file', fix: null, names: ['notes.txt'], latestFailedAt: '2026-07-28T14:54:00Z' },
    ]);
  });

  it('keeps a part every file of the group shares, however it looks', () => {
    const same = nine.slice(1, 4);
    expect(groupFailures(input(same)).groups[0]?.error).toBe('No extractable text layer in … (12 pages).');
  });

  it('a group of one keeps its texts as they are', () => {
    const [group] = groupFailures(input([['a.pdf', '  No text\nlayer in a.pdf (3 pages) ', 'Fix a.pdf']])).groups;
    expect(group).toMatchObject({ count: 1, error: '  No text\nlayer in a.pdf (3 pages) ', fix: 'Fix a.pdf', names: ['a.pdf'] });
  });

  it('files with the same texts keep them whole', () => {
    const [group] = groupFailures(
      input([
        ['a.pdf', 'No text (3 pages)', 'Run OCR'],
        ['b.pdf', 'No text (3 pages)', 'Run OCR'],
      ]),
    ).groups;
    expect(group).toMatchObject({ count: 2, error: 'No text (3 pages)', fix: 'Run OCR', names: ['a.pdf', 'b.pdf'] });
  });

  it('returns only the largest groups when asked, and counts the rest', () => {
    const result = groupFailures(input(files), { groups: 1, names: 0 });
    expect(result).toMatchObject({ total: 11, causes: 3 });
    expect(result.groups).toHaveLength(1);
    expect(result.groups[0]).toMatchObject({ count: 9, names: [] });
  });

  it('names a file without a name by its id', () => {
    expect(groupFailures([{ fileId: 'file-9', name: '  ', error: 'x', fix: null }]).groups[0]?.names).toEqual(['file-9']);
  });

  it('groups nothing into nothing', () => {
    expect(groupFailures([])).toEqual({ total: 0, causes: 0, groups: [] });
  });

  it('keeps at most 20 names a group by default, and cuts long ones', () => {
    const many = Array.from({ length: 500 }, (_, i): File => [`${'n'.repeat(5_000)}-${i}.pdf`, 'Broken', null]);
    const [group] = groupFailures(input(many)).groups;
    expect(group?.count).toBe(500);
    expect(group?.names).toHaveLength(20);
    for (const name of group?.names ?? []) expect(name.length).toBeLessThanOrEqual(600);
  });

  it('20,000 files with 20,000 different causes: every one counted once', () => {
    const words = (i: number) => i.toString(26).replace(/[0-9]/g, (d) => 'qrstuvwxyz'[Number(d)] as string);
    const distinct = Array.from({ length: 20_000 }, (_, i): File => [`f${i}.pdf`, `Cause ${words(i)}`, null]);
    const result = groupFailures(input(distinct), { groups: 3 });
    expect(result).toMatchObject({ total: 20_000, causes: 20_000 });
    expect(result.groups.map((g) => g.names)).toEqual([['f0.pdf'], ['f1.pdf'], ['f2.pdf']]);
  });
});

describe('groupFailures on hostile and huge texts', () => {
  /** CPU milliseconds of `fn`, the best of three (the machine is shared: wall time would measure the neighbours). */
  const cpuMs = (fn: () => unknown) => {
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < 3; r++) {
      const before = process.cpuUsage();
      fn();
      const used = process.cpuUsage(before);
      best = Math.min(best, (used.user + used.system) / 1_000);
    }
    return best;
  };
  const fill = (unit: string, length: number) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

  // A pattern that backtracks, or a scan that starts over inside a token or at every quote, costs up
  // to ~500 times more on these 1,000-character texts: each case must cost about what plain words do
  // (they cost less, measured: at most 0.6 times as much).
  // Each error starts with a word of its own, so that each is read: a text read before is looked up, not read again.
  const word = (i: number) => i.toString(26).replace(/[0-9]/g, (d) => 'qrstuvwxyz'[Number(d)] as string);
  const texts = (unit: string) =>
    Array.from({ length: 2_000 }, (_, i): File => ['scan.pdf', fill(`${word(i)} ${fill(unit, 1_000)}`, 1_000), fill(unit, 1_000)]);
  let plain = 0;
  beforeAll(() => {
    plain = cpuMs(() => groupFailures(input(texts('no text layer '))));
  });
  it.each([
    ['digits', '1'],
    ['spaces', ' '],
    ['dots', '.'],
    ['digits and dots', '1.'],
    ['digits and commas', '1,'],
    ['dashes', '-'],
    ['quotes', "'"],
    ['opening quotes that never close', '“'],
    ['quoted names', "'a.pdf"],
    ['slashes', '/a'],
    ['scheme separators', '://'],
    ['drive letters', 'C:\\'],
    ['letters', 'a'],
    ['CJK', 'あ'],
    ['CJK and numbers', 'ファイル12'],
    ['the file’s name', 'scan.pdf '],
  ])('2,000 files of 1,000 %s each: linear, as plain words are', (_what, unit) => {
    const ms = cpuMs(() => groupFailures(input(texts(unit))));
    expect(ms).toBeLessThan(Math.max(100, 5 * plain));
  });

  it('reads only the first 1,000 characters of a 20-million-character text', () => {
    const huge = JSON.parse(JSON.stringify(`${'No text layer '.repeat(100)}${'x'.repeat(20_000_000)}`)) as string;
    const files: FailedFileInput[] = [0, 1, 2].map((i) => ({ fileId: `f${i}`, name: 'n'.repeat(1_000_000), error: huge, fix: huge }));
    let result = groupFailures([]);
    expect(cpuMs(() => (result = groupFailures(files)))).toBeLessThan(50);
    const [group] = result.groups;
    expect(group?.count).toBe(3);
    expect(group?.error?.length).toBeLessThanOrEqual(1_001);
    expect(group?.names[0]?.length).toBe(600);
  });

  it('20,000 failures of 1,000-character texts, each with its own name, numbers and ids, in linear time', () => {
    // ~1,000 characters each: the words that differ come last, after the same 920 characters.
    const pad = (s: string) => `${fill('The document appears to contain only scanned images. ', 920)} ${s}`;
    const files = Array.from(
      { length: 20_000 },
      (_, i): File => [
        `Claims section ${i}.pdf`,
        pad(`No text layer in Claims section ${i}.pdf (${i % 40} pages, rec-${i}).`),
        pad(`Export rec-${i} again.`),
      ],
    );
    let result = groupFailures([]);
    const ms = cpuMs(() => (result = groupFailures(input(files), { groups: 5 })));
    expect(result.causes).toBe(1);
    expect(result.groups[0]?.count).toBe(20_000);
    // ~0.3 s of CPU on the 2-core CI VM; a quadratic scan would take minutes.
    expect(ms).toBeLessThan(3_000);
  });
});
