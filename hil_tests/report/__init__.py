"""The technician's report of a HIL run: `hil-report/report.html` with PNG plots.

`collect.py` gathers what each case recorded (`plugin.py` feeds it from pytest, also across
xdist workers), `plots.py` draws the frequency response and the levels, `html.py` writes
the page.
"""
