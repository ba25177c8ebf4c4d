"""The planning workspace: a Django web app over the same library the CLI uses.

One Django app per concern: ``accounts`` (users, roles, API tokens),
``plans`` (plans, versions, changes, requests, comments, approvals),
``jobs`` (runs outside the web process), ``audit`` (append-only trail) and
``api`` (the JSON API). Every call into the planning library goes through
`workspace.engine`; every permission check through `workspace.access`.
"""
