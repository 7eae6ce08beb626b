"""What a paper is, independent of storage: records, identifiers, keys, venues, titles."""
