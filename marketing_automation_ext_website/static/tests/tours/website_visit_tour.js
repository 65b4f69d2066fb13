/** @odoo-module **/
// An anonymous visitor reads the pricing page, leaves, comes back, then fills the contact form.
import { registry } from "@web/core/registry";

const stay = (ms) => () => new Promise((resolve) => setTimeout(resolve, ms));

registry.category("web_tour.tours").add("marketing_website_visit_tour", {
    url: "/pricing",
    steps: () => [
        {
            content: "Read the pricing page for a few seconds",
            trigger: "#wrap h1:contains('Our prices')",
            run: stay(2500),
        },
        {
            content: "Leave for the contact page",
            trigger: "header a[href='/contactus']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Come back to the pricing page",
            trigger: "form#contactus_form",
            run: () => {
                window.location.href = "/pricing";
            },
            expectUnloadPage: true,
        },
        {
            content: "Read it again",
            trigger: "#wrap h1:contains('Our prices')",
            run: stay(1500),
        },
        {
            content: "Go and ask a question",
            trigger: "header a[href='/contactus']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger: "form#contactus_form input[name=name]",
            run: "edit Tour Visitor",
        },
        {
            trigger: "form#contactus_form input[name=email_from]",
            run: "edit tour.visitor@example.com",
        },
        {
            trigger: "form#contactus_form input[name=subject]",
            run: "edit Pricing for 40 seats",
        },
        {
            trigger: "form#contactus_form textarea[name=description]",
            run: "edit Please call me",
        },
        {
            content: "Send the form",
            trigger: ".s_website_form_send",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The thank-you page",
            trigger: "#wrap:has(h1:contains('Thank You!'))",
        },
    ],
});
