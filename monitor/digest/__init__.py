"""The daily change digest: built as data (:mod:`.model`, :mod:`.build`), rendered by format."""
