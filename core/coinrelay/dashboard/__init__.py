"""The live dashboard: a static page (``index.html``, ``dashboard.js``, ``dashboard.css``), no build step.

It polls ``GET /api/system/dashboard`` every second and redraws providers, endpoints,
chains and failovers; in sandbox mode it shows a SANDBOX label and fault buttons.
"""
