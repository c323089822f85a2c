"""Meetings of a component: create, edit, publish, withdraw, cancel; private and transparent meetings;
agenda items; the commune's directory."""
