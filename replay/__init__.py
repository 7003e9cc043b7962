"""Agent actions -> event scripts: wire types, hit-testing and policy checks (see replay/web/ for
the player that dispatches them on the customer's page)."""
