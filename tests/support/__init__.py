"""Test support: real servers on free ports, the headless desktop, fault-injection proxies."""
