"""The laptop's half of sync: drains the vault's outbox to the central server, pulls what
changed since the last cursor, retries with backoff, notices when the server comes back,
and wipes the vault when the server says this device has been revoked."""
