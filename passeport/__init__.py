"""Passeport d'orientation, de formation et de compétences."""
