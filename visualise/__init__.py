"""Pictures of the partner networks: interactive pages, maps and static figures.

This step takes the networkx graphs that ``citykg.graph.network`` projects from the store and draws
them: ``pages`` writes an interactive page (vis-network, through pyvis), ``maps`` a map page,
``figures`` matplotlib PNG or SVG for reports. Pages work offline: every script and style is inside
the file, and nothing is fetched from another host.
"""
