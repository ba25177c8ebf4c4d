"""The bundled demo: generated North America + EMEA book of business and its scenarios."""
