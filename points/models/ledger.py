"""Rules, household accounts, the append-only ledger, products and redemptions."""
