package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// chart is a bar chart drawn on the server as SVG: no script, no chart
// library, readable without JavaScript. The SVG is one image to assistive
// technology (role="img"), named by its title and described by a summary
// sentence; the table beside it on the page carries every figure.
type chart struct {
	ID      string // unique on the page; prefixes the title's and summary's ids
	Title   string
	Summary string
	Bars    []bar
	Max     float64 // the scale's top; 0 means the largest value
	Columns bool    // vertical columns (a time series) rather than horizontal bars
}

// bar is one bar: its label and value, and the value as the chart prints it.
type bar struct {
	Label string
	Value float64
	Text  string
	Tick  bool // for columns: print this label under the axis
}

const chartWidth = 720

// SVG renders the chart. Every string is escaped: labels include
// organisation names that coordinators type.
func (c chart) SVG() template.HTML {
	top := c.Max
	for _, b := range c.Bars {
		top = math.Max(top, b.Value)
	}
	if top <= 0 {
		top = 1
	}
	var sb strings.Builder
	e := template.HTMLEscapeString
	height := 0
	if c.Columns {
		height = 240
	} else {
		height = 36*len(c.Bars) + 10
	}
	fmt.Fprintf(&sb, `<svg class="app-chart" viewBox="0 0 %d %d" width="100%%" preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="%s-title %s-summary" focusable="false">`,
		chartWidth, height, e(c.ID), e(c.ID))
	fmt.Fprintf(&sb, `<title id="%s-title">%s</title><desc id="%s-summary">%s</desc>`, e(c.ID), e(c.Title), e(c.ID), e(c.Summary))
	if c.Columns {
		const left, right, base, plot = 10, 10, 200, 170
		step := float64(chartWidth-left-right) / float64(max(len(c.Bars), 1))
		fmt.Fprintf(&sb, `<line class="app-chart__axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, left, base, chartWidth-right, base)
		for i, b := range c.Bars {
			h := b.Value / top * plot
			x := float64(left) + float64(i)*step
			fmt.Fprintf(&sb, `<rect class="app-chart__bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, x+step*0.15, base-h, step*0.7, h)
			if b.Value > 0 {
				fmt.Fprintf(&sb, `<text class="app-chart__value" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x+step/2, base-h-4, e(b.Text))
			}
			if b.Tick {
				fmt.Fprintf(&sb, `<text class="app-chart__label" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x+step/2, base+24, e(b.Label))
			}
		}
	} else {
		const labelGap, barHeight, valueRoom = 16, 14, 60
		for i, b := range c.Bars {
			y := 36*i + 4
			w := b.Value / top * float64(chartWidth-valueRoom)
			fmt.Fprintf(&sb, `<text class="app-chart__label" x="0" y="%d">%s</text>`, y+labelGap-2, e(b.Label))
			fmt.Fprintf(&sb, `<rect class="app-chart__bar" x="0" y="%d" width="%.1f" height="%d"/>`, y+labelGap+2, w, barHeight)
			fmt.Fprintf(&sb, `<text class="app-chart__value" x="%.1f" y="%d">%s</text>`, w+6, y+labelGap+barHeight, e(b.Text))
		}
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // #nosec G203 -- every string in it went through HTMLEscapeString above
}

// highest and lowest name the bars with the largest and smallest values
// (the first on a tie), for summaries.
func highest(bars []bar) bar {
	var best bar
	for i, b := range bars {
		if i == 0 || b.Value > best.Value {
			best = b
		}
	}
	return best
}

func lowest(bars []bar) bar {
	var low bar
	for i, b := range bars {
		if i == 0 || b.Value < low.Value {
			low = b
		}
	}
	return low
}
