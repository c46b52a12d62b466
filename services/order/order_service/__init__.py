"""Order service: storefront webhook intake and the OrderFulfillment workflow."""
