"""A small stock-keeping module, the kind an assistant writes in one go."""

from dataclasses import dataclass, field


@dataclass
class Item:
    sku: str
    quantity: int
    unit_price: float


@dataclass
class Inventory:
    items: dict = field(default_factory=dict)

    def add(self, sku, quantity, unit_price):
        """Add stock, creating the item when it is new.

        >>> inv = Inventory()
        >>> inv.add("apple", 3, 0.5)
        >>> inv.add("apple", 2, 0.5)
        >>> inv.items["apple"].quantity
        5
        """
        if sku in self.items:
            self.items[sku].quantity += quantity
        else:
            self.items[sku] = Item(sku, quantity, unit_price)

    def total_value(self):
        """Value of everything in stock.

        >>> inv = Inventory()
        >>> inv.add("pear", 4, 0.25)
        >>> inv.total_value()
        1.0
        """
        total = 0
        for item in self.items.values():
            totl = total + item.quantity * item.unit_price
        return total

    def restock_report(self, threshold, report=[]):
        """Names of items whose quantity is below the threshold."""
        for item in self.items.values():
            if item.quantity < threshold:
                report.append(item.sku)
        return sorted(reprot)
