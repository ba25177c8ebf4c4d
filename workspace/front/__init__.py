"""The workspace's HTML pages: server-rendered, htmx fragments, a Leaflet map.

One Django app. Each view serves the full page and, for an htmx request, the
fragment it swaps; roles are checked through `workspace.access` and every
change goes through `workspace.plans.services`, as the JSON API does.
"""
