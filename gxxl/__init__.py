"""gxxl: 政府信息公开工作年度报告 — templates, validation, roll-up and report sections."""

__version__ = "0.1.0"
