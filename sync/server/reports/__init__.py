"""Reports on the server, where every record meets (issue 11): the clear report columns
derived when a record is stored (:mod:`.facts`), the quarterly contract-monitoring report
(:mod:`.quarterly`), the wellbeing budget (:mod:`.budget`), work queues (:mod:`.queues`)
and their outputs (:mod:`.outputs`)."""
