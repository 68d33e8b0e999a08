"""Server-rendered store pages. Each view parses, authorises (``stores.pages``), calls one
service function and renders; business rules live in the service modules."""
