// Package pqenc is a small, allocation-conscious Parquet file encoder that
// uses only the standard library and snappy, so it fits in a WebAssembly build.
//
// Features used, and why:
//
//   - Schema: required/optional/repeated primitive columns and groups,
//     including the standard 3-level MAP (group (MAP) { repeated group
//     key_value { required key; value } }) and LIST (group (LIST) { repeated
//     group list { element } }) shapes, which NewSchema enforces. Every
//     annotated SchemaElement carries both the legacy converted_type (where
//     one exists) and the LogicalType, so old and new readers agree.
//   - Arrow types without an ARROW:schema blob: readers such as arrow-go
//     derive Arrow types from the logical types alone. STRING gives utf8,
//     TIMESTAMP(isAdjustedToUTC=true, NANOS) gives timestamp[ns, tz=UTC],
//     INT(32,false) gives uint32, FIXED_LEN_BYTE_ARRAY(n) gives
//     fixed_size_binary[n], and MAP/LIST give map/list. No Arrow IPC schema is
//     serialized, which keeps the writer free of Arrow dependencies.
//   - Data pages v1 (DATA_PAGE) with RLE/bit-packed hybrid definition and
//     repetition levels (4-byte length prefix). v1 pages are read by every
//     implementation; pages are cut at row boundaries near Options.PageSize.
//   - Dictionary encoding for leaves with Node.Dictionary: one PLAIN
//     dictionary page per column chunk and RLE_DICTIONARY data pages. When the
//     PLAIN size of a chunk's dictionary exceeds Options.DictionaryLimit the
//     whole chunk falls back to PLAIN (the values seen so far are re-encoded
//     from the dictionary), so a chunk never mixes encodings and readers see
//     either a fully dictionary-encoded chunk or none at all. The next row
//     group starts with a dictionary again. A dictionary holds at most 2^24-1
//     entries (a hash slot keeps 24 bits of index); past that, PLAIN too.
//   - Repeated rows given once: a column whose rows come in runs of equal
//     rows (ColumnData.Runs; a resource's attributes on each of its records)
//     is checked and looked up in the dictionary once per run, and its
//     levels and indices copied for the rest. The file is the same byte for
//     byte as with every row given.
//   - Snappy compression per page (the usual default, cheap in CPU and code).
//   - Column chunk statistics: null_count (slots whose definition level is
//     below the maximum, as arrow and parquet-java count them) and
//     min_value/max_value in the type's defined order (signed or unsigned
//     integers by logical type, unsigned bytes for binary, NaN ignored and
//     -0/+0 widened for floats). BYTE_ARRAY bounds longer than 64 bytes are
//     truncated (max rounded up) and flagged inexact. Every leaf declares
//     TYPE_DEFINED_ORDER in column_orders.
//
// A Writer buffers the open row group in memory (levels plus dictionary
// indices or PLAIN bytes) and appends finished row groups to an in-memory
// file returned by Finish. Buffers, the file's included, are reused across Reset.
package pqenc
