"""Open defects the safety campaigns found in code this helper does not own: strict xfails.

Each test states the safe behaviour. It fails while the defect is open (so it is marked
`xfail(strict=True, reason="DEFECT-n ...")`) and passes once the defect is fixed; strict xfail
then turns the pass into a failure, which tells the fixer to move the test to
test_campaign_regressions.py (and to drop the matching entry of `KNOWN_DEFECTS` in
tests/safety/invariants.py, so the campaigns enforce the invariant again). The hazard log lists
each open one under "Known anomalies" (tests/safety/test_hazard_log.py keeps the two in step).

None is open at present: DEFECT-1 to DEFECT-17 were fixed and are regression tests now.
"""
