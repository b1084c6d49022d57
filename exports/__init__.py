"""Files people download and open elsewhere: the one CSV writer every export goes through
(spreadsheet.py). Imports no other project package, so every layer can use it."""
