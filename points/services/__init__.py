"""Every change to points, by concern. Import from the module that holds the function:

- `points.services.ledger`: the ledger head (accounts, appending entries), corrections, adjustments;
- `points.services.awards`: awarding rules, with their caps;
- `points.services.shop`: redemptions (reserve, hand over, cancel);
- `points.services.catalogue`: rule versions, products and stock, uploads;
- `points.services.honours`: yearly honours, their notice and objections.
"""
