"""The data-protection life cycle on the server (issue 11): the audit chain and its
export (:mod:`.audit_chain`), retention with legal holds and erasure that reaches laptops
as tombstones (:mod:`.retention`), and rectification and erasure requests (:mod:`.requests`)."""
