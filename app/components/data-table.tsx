'use client';
// The one data table (@tanstack/react-table for the row model and sorting): dense,
// sticky header, sortable columns whose state is the URL's `sort` param ("-age"),
// keyset paging through a cursor param ("Next page" / "First page" links), and an
// empty state slot. Columns are declared with a small typed shape so pages do not
// depend on the table library's types. Columns hold functions, so declare them in a
// client component (a server page cannot pass functions to this one).
import Link from 'next/link';
import { useMemo, type ReactNode } from 'react';
import { createSortedRowModel, rowSortingFeature, tableFeatures, useTable, type RowData, type SortingState } from '@tanstack/react-table';
import { encodeSort, nextSort, parseSort } from '@/lib/domain/format/url-params';
import { useUrlParams } from './url-state';

export interface DataColumn<T> {
  id: string;
  header: string;
  cell: (row: T) => ReactNode;
  /** Makes the column sortable; the value compared (numbers compare as numbers). */
  sortValue?: (row: T) => string | number | null;
  /** First click sorts descending (for "largest first" figures such as lag). */
  sortDescFirst?: boolean;
  className?: string;
}

export interface DataTableProps<T> {
  /** The table's accessible name. */
  caption: string;
  rows: readonly T[];
  columns: readonly DataColumn<T>[];
  rowKey: (row: T) => string;
  /** Shown instead of the table when there are no rows: say why, and what to do. */
  empty: ReactNode;
  /** The cursor of the next page (null: last page). */
  nextCursor?: string | null;
  cursorParam?: string;
  sortParam?: string;
  /** The server sorted the rows by the URL's sort already (no client sort). */
  manualSorting?: boolean;
  testId?: string;
}

const features = tableFeatures({ rowSortingFeature, sortedRowModel: createSortedRowModel() });

type SortValue = string | number | null;

/** Numbers as numbers, text with numeric parts in order ("job-2" < "job-10"); empty values last. */
export function compareSortValues(a: SortValue, b: SortValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), 'en', { numeric: true });
}

export function DataTable<T extends RowData>({ caption, rows, columns, rowKey, empty, nextCursor = null, cursorParam = 'after', sortParam = 'sort', manualSorting = false, testId }: DataTableProps<T>) {
  const { params, href } = useUrlParams();
  const requested = parseSort(params.get(sortParam));
  const sortColumn = requested ? columns.find((c) => c.id === requested.id && c.sortValue) : undefined;
  const sort = sortColumn ? requested : null;
  const sorting = useMemo<SortingState>(() => (sort ? [{ id: sort.id, desc: sort.desc }] : []), [sort?.id, sort?.desc]); // eslint-disable-line react-hooks/exhaustive-deps

  const tableColumns = useMemo(
    () =>
      columns.map((c) => ({
        id: c.id,
        accessorFn: (row: T) => c.sortValue?.(row) ?? null,
        enableSorting: Boolean(c.sortValue),
        sortFn: (a: { getValue: (id: string) => unknown }, b: { getValue: (id: string) => unknown }, id: string) =>
          compareSortValues(a.getValue(id) as SortValue, b.getValue(id) as SortValue),
      })),
    [columns],
  );
  const data = useMemo(() => [...rows], [rows]);
  const table = useTable({ features, columns: tableColumns, data, state: { sorting }, manualSorting, getRowId: (row: T) => rowKey(row) });
  const ordered = table.getRowModel().rows.map((r) => r.original);
  const paged = params.has(cursorParam) || nextCursor !== null;

  if (rows.length === 0) {
    return (
      <>
        {empty}
        {params.has(cursorParam) ? <Pager first={href({}, [cursorParam])} next={null} /> : null}
      </>
    );
  }
  return (
    <>
      <div className="table-scroll">
        <table className="dense data-table" data-testid={testId}>
          <caption className="sr-only">
            {caption}
            {sort && !manualSorting && paged ? ' (sorting applies to the rows on this page)' : ''}
          </caption>
          <thead>
            <tr>
              {columns.map((c) => {
                const active = sort?.id === c.id ? sort : null;
                const ariaSort = active ? (active.desc ? 'descending' : 'ascending') : c.sortValue ? 'none' : undefined;
                return (
                  <th key={c.id} scope="col" aria-sort={ariaSort} className={c.className}>
                    {c.sortValue ? (
                      <Link className="sort-link" href={href({ [sortParam]: encodeSort(nextSort(active, c.id, c.sortDescFirst)) }, [cursorParam])} scroll={false}>
                        {c.header}
                        <span aria-hidden="true">{active ? (active.desc ? ' ▼' : ' ▲') : ' ↕'}</span>
                      </Link>
                    ) : (
                      c.header
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {ordered.map((row) => (
              <tr key={rowKey(row)}>
                {columns.map((c) => (
                  <td key={c.id} className={c.className}>
                    {c.cell(row)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {sort && !manualSorting && paged ? <p className="muted">Sorted within this page; pages follow the list&apos;s own order.</p> : null}
      {paged ? <Pager first={params.has(cursorParam) ? href({}, [cursorParam]) : null} next={nextCursor ? href({ [cursorParam]: nextCursor }) : null} /> : null}
    </>
  );
}

function Pager({ first, next }: { first: string | null; next: string | null }) {
  return (
    <nav className="row pager" aria-label="Pages">
      {first ? <Link href={first}>« First page</Link> : null}
      {next ? <Link href={next}>Next page »</Link> : <span className="muted">Last page</span>}
    </nav>
  );
}
