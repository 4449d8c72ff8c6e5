"""The accepted submission formats, one module each (`csv`, `sdmx_csv`, `json`, `xlsx`), what they
share (`shared`: the `Format` entry and the pieces of readers and writers) and the one list of
them (`registry`)."""
