"""The agents' workspace: queue, case page and the actions on a case.

Views parse the request, call the same services as the API and render. htmx
swaps only what changes in place (queue filters and paging, assign-to-me,
canned replies and the reply preview); actions on a case post and come back
to the case page.

`queue` lists and bulk-edits cases, `case` shows one and takes the agent's
actions on it, `returns` steps a return through, `replies` writes to the buyer,
`dashboard` shows and downloads the owner's charts, `profile` the desk language.
"""
