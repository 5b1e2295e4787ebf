"""The published Relazione's text layout: parsing it (import) and auditing it."""
