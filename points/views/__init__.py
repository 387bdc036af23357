"""Pages of the points app, by who uses them: `resident` (balance, ledger, shop, pickup codes,
ranking), `staff` (award, hand over, products), `honours` (lists, notice, objections, export),
`rules` (the rules and their versions).

Views parse input with a form, call one service or selector and render. Domain errors become a
message, bad input stays in the form with the typed values, a wrong person gets 403 and
anything outside the caller's scope 404. Buttons are shown by `points.permissions.actions_for`.
"""
