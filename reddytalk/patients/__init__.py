"""Staff-facing patient records: create, read, search, update with ETags, soft delete, all audited."""
