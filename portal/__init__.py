"""The buyer portal: look up an order, see its parcels and cases, report a problem, start a return."""
