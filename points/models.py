"""Civility points: rules, household accounts, the ledger, the shop and rankings."""
