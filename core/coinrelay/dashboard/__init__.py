"""The live dashboard: a static page (``index.html``, ``dashboard.js``, ``charts.js``,
``dashboard.css``), no build step, and the chart library it draws with (``vendor/``: uPlot, MIT).

It polls ``GET api/system/dashboard`` every second and redraws providers, endpoints, chains
and failovers, and ``GET api/system/history`` every two seconds for the charts of the last
15 minutes; in sandbox mode it shows a SANDBOX label and fault buttons. Every URL is
relative to the page's ``<base href>``, which the server sets to the app's ``root_path``.
"""
